import { performance } from 'node:perf_hooks';
import { fitSms, smsSegments } from '../functions/core/sms';

/*
 * npm run bench:sms — the time to fit a page's text into its SMS budget, by the size of the alarm
 * description in it, against the baseline of a page whose text already fits (nothing to cut) in the
 * same run. The figures should not grow with the description: it is cut before anything counts segments.
 */
const LINK = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/a/Qm9iIGlzIG9uIGNhbGwgdG9kYXk';
const page = (description: string) => `MIM page P1 INC-20261127-4F2A9C payments: ${description} accept: ${LINK}`;
const prose = (bytes: number) => 'Disk full on host ab-12; é ü “quoted” … '.repeat(Math.ceil(bytes / 36)).slice(0, bytes);
const japanese = (bytes: number) =>
  '決済APIのエラー率が5%を超えました。'.repeat(Math.ceil(bytes / 57)).slice(0, Math.ceil(bytes / 3));

function time(text: string, runs: number): { ms: number; segments: string } {
  fitSms(text);
  const start = performance.now();
  for (let i = 0; i < runs; i += 1) fitSms(text);
  const sms = fitSms(text);
  const { count, encoding } = smsSegments(sms);
  return { ms: (performance.now() - start) / runs, segments: `${count} ${encoding}` };
}

const rows: Array<[string, string]> = [['baseline: a page that fits (60 B description)', prose(60)]];
for (const kb of [1, 10, 100, 1024]) {
  rows.push([`${kb >= 1024 ? `${kb / 1024} MB` : `${kb} KB`} description (Latin, accents, typography)`, prose(kb * 1024)]);
}
rows.push(['100 KB description (Japanese: UCS-2)', japanese(100 * 1024)]);

console.log(`fitSms, mean of 20 runs each, Node ${process.version}`);
// Warmed up first, so that the baseline is not the run that compiles the code.
time(page(prose(10 * 1024)), 20);
const measured = rows.map(([label, description]) => ({ label, ...time(page(description), 20) }));
for (const { label, ms, segments } of measured) {
  console.log(
    `${label.padEnd(52)} ${ms.toFixed(2).padStart(8)} ms  ${(ms / measured[0]!.ms).toFixed(1).padStart(6)}x  (${segments})`,
  );
}
