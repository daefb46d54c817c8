import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../functions/core/config';
import { checkConfig } from '../functions/core/readiness';

/*
 * mim check's config part (which cdk synth runs too) against a config with many overrides: a year of
 * daily one-hour deputy covers, and with twenty scheduled drills, checked over 8 and 52 weeks. The baseline, in the same run, is the
 * example config as it is. Median of BENCH_RUNS runs each.
 */

const runs = Number(process.env.BENCH_RUNS ?? 5);
const example = readFileSync('config/organisation.yaml', 'utf8');
const raw = parse(example) as { rota: { overrides: unknown[] } };
const day = (i: number) => new Date(Date.UTC(2026, 11, 2 + i)).toISOString().slice(0, 10);
raw.rota.overrides = Array.from({ length: 300 }, (_, i) => ({
  level: 'Deputy MIM',
  person: 'henry',
  from: `${day(i)} 10:00`,
  until: `${day(i)} 11:00`,
}));
// Twenty scheduled drills, each judged over its next 12 turns (who is on call, whom it would wake).
const drilled = {
  ...(parse(example) as object),
  drills: Array.from({ length: 20 }, (_, i) => ({
    name: `drill-${i}`,
    service: 'payments',
    on: `${['first', 'second', 'third', 'fourth', 'last'][i % 5]} ${['monday', 'tuesday', 'wednesday', 'thursday'][i % 4]}`,
    at: '14:00',
    by: 'irene',
  })),
};
const configs = {
  'example config': parseConfig(example),
  '300 overrides': parseConfig(stringify(raw)),
  '20 scheduled drills': parseConfig(stringify(drilled)),
};
const at = new Date('2026-11-30T12:00:00Z');

function median(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(`mim check (config part), median of ${runs} runs\n`);
console.log('| config | 8 weeks | 52 weeks |\n| --- | ---: | ---: |');
for (const [name, config] of Object.entries(configs)) {
  const times = [8, 52].map((weeks) =>
    median(
      Array.from({ length: runs }, () => {
        const start = performance.now();
        checkConfig(config, at, weeks);
        return performance.now() - start;
      }),
    ),
  );
  console.log(`| ${name} | ${times.map((t) => `${Math.round(t)} ms`).join(' | ')} |`);
}
