/** A TCP proxy the tests cut, silence and restore: a server's outage on demand. */
import net from 'node:net';

/**
 * A TCP proxy in front of a server (PostgreSQL, Redis: raw bytes either way), for outage tests.
 * stop() closes the listener and cuts every open connection: to the client of the proxy, that
 * is exactly the server going away (refused connections, dropped sessions). start() brings it back on the same port.
 * silence() is the nastier outage: connections stay open (and new ones are accepted) but no
 * byte is forwarded either way, as on a partitioned network with no RST; resume() delivers
 * everything held back, in order.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private silent = false;
  private readonly held: { to: net.Socket; chunk: Buffer }[] = [];
  port = 0;

  silence(): void {
    this.silent = true;
  }

  resume(): void {
    this.silent = false;
    for (const { to, chunk } of this.held.splice(0)) if (!to.destroyed) to.write(chunk);
  }

  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.silent) this.held.push({ to, chunk });
      else if (!to.destroyed) to.write(chunk);
    });
  }

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(this.target.port || (this.target.protocol === 'redis:' ? 6379 : 5432)), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** `target` (with its credentials and path) reached through the proxy. */
  urlFor(target: string): string {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }
}
