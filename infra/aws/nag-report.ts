import { buildStack } from './bundles';
import { reviewNag } from './nag';

/*
 * npm run nag: what cdk-nag (AwsSolutions) finds in the stack, each acknowledged finding with its
 * reason, and anything open. Synthesis (npm run synth) fails on open findings; this shows the rest.
 */
const { app } = buildStack();
const { open, acknowledged } = reviewNag(app);
console.log(`cdk-nag AwsSolutions: ${open.length} open finding(s), ${acknowledged.length} acknowledgment(s)\n`);
for (const f of open) console.log(`OPEN  ${f.id}  at ${f.path}\n      ${f.description}\n`);
for (const a of acknowledged) {
  console.log(`ACK   ${a.id}\n      on ${a.path} (silences ${a.silenced.length} finding(s))\n      ${a.reason}\n`);
}
process.exitCode = open.length > 0 || acknowledged.some((a) => a.silenced.length === 0) ? 1 : 0;
