import net from 'node:net';

/*
 * Tests never reach AWS: dummy credentials and a region, and every socket may connect to loopback
 * only. A connection anywhere else fails at once with an error that names the host.
 */
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
delete process.env.AWS_PROFILE;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// Handlers log failures on purpose in some tests; the assertions say what matters.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

export class NetworkBlocked extends Error {
  override readonly name = 'NetworkBlocked';
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const options = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number;
  const host =
    typeof options === 'number'
      ? typeof args[1] === 'string'
        ? args[1]
        : 'localhost'
      : (options?.host ?? (options?.path ? 'localhost' : 'localhost'));
  if (!LOOPBACK.test(host)) {
    const error = new NetworkBlocked(`tests may only connect to loopback, not ${host}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
