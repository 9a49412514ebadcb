/**
 * Real PostgreSQL for tests: DATABASE_URL (set by .ci/run) or the local server's default.
 * Each test gets its own scratch database, so migrations really run from zero.
 */
import net from 'node:net';
import postgres from 'postgres';

export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresReachable(): Promise<boolean> {
  const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `moodify_t_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 2 });
    },
  };
}

/**
 * A TCP proxy in front of PostgreSQL. stop() closes the listener and cuts every open
 * connection: to the server behind it, that is exactly PostgreSQL going away (refused
 * connections, dropped sessions). start() brings it back on the same port.
 * silence() is the nastier outage: connections stay open (and new ones are accepted) but no
 * byte is forwarded either way, as on a partitioned network with no RST; resume() delivers
 * everything held back, in order.
 */
export class PostgresProxy {
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
      const upstream = net.connect(Number(this.target.port || 5432), this.target.hostname);
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

  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }
}
