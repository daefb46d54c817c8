import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../infra/local/sandbox';
import { FAST_CONFIG } from '../support/sandbox';

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('sandbox start-up', () => {
  it('a request made the moment the API port opens is answered by the API, never by a missing handler', async () => {
    const port = await freePort();
    const starting = startSandbox({ configPath: FAST_CONFIG, ports: { api: port } });
    let first: Response | undefined;
    while (!first) {
      first = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (!first) await sleep(2);
    }
    const sandbox = await starting;
    await sandbox.stop();

    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true });
  });
});
