// npm puts node_modules/.bin first on PATH, so `node` here is the Node the project carries (the `node`
// devDependency). If its install script was blocked, npm silently falls back to the system Node, and
// everything after would run on the wrong major: stop early and say how to fix it.
const expected = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major !== expected) {
  console.error(
    `This project runs on Node ${expected} (the Lambda runtime it targets is nodejs${expected}.x), but npm ran Node ${process.versions.node}.\n` +
      `The 'node' devDependency provides it: run 'npm ci' (without --ignore-scripts) so its install script can place the binary.`,
  );
  process.exit(1);
}
