/**
 * Finding UDP ports for ffmpeg's RTP/RTCP input, and knowing when ffmpeg has bound them.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';

const handedOut = new Set<number>();

async function canBind(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * An even port whose odd neighbour is free too (RTP, RTCP), from the ephemeral range the
 * kernel would not hand out to others soon. Ports stay reserved until releasePortPair().
 */
export async function reservePortPair(min = 20000, max = 29998): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = min + 2 * Math.floor((Math.random() * (max - min)) / 2);
    if (handedOut.has(port)) continue;
    if ((await canBind(port)) && (await canBind(port + 1))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free UDP port pair in ${min}-${max}`);
}

export function releasePortPair(port: number): void {
  handedOut.delete(port);
}

/** True when some process has a UDP socket bound to 127.0.0.1:port or 0.0.0.0:port. */
export function isUdpPortBound(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  try {
    const table = fs.readFileSync('/proc/net/udp', 'utf8');
    return table.split('\n').some((line) => {
      const local = line.trim().split(/\s+/)[1];
      return local === `0100007F:${hex}` || local === `00000000:${hex}`;
    });
  } catch {
    return false;
  }
}

export async function waitForUdpBind(port: number, timeoutMs: number, isAlive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive()) {
    if (isUdpPortBound(port)) return true;
    await new Promise((r) => setTimeout(r, 15));
  }
  return false;
}
