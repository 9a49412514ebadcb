/**
 * Where a room lives. A room this node holds stays here (even while Redis is unreachable); a
 * room another live node owns is that node's; a room nobody owns (or whose owner's heartbeat is
 * gone) is claimed for the least-loaded live node — this one when it is as idle as the best, so
 * a quiet cluster does not bounce clients for nothing.
 */
import type { NodeInfo, NodeRegistry } from './node-registry.js';
import { NodeNotAliveError, type RoomOwner, type RoomOwnership } from './ownership.js';

export type Placement = { local: true; owner: RoomOwner } | { local: false; owner: RoomOwner; node: NodeInfo };

/** Redis could not be asked: the room cannot be placed now (rooms already running are unaffected). */
export class PlacementUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `the cluster's Redis is unreachable, so a room cannot be placed now; try again shortly (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'PlacementUnavailableError';
  }
}

export class RoomPlacement {
  constructor(
    private readonly ownership: RoomOwnership,
    private readonly registry: NodeRegistry,
  ) {}

  async place(roomId: string): Promise<Placement> {
    if (this.ownership.holds(roomId)) return { local: true, owner: { nodeId: this.registry.id, token: this.ownership.tokenOf(roomId)! } };
    try {
      return await this.placeViaRedis(roomId);
    } catch (err) {
      if (err instanceof NodeNotAliveError) throw err;
      throw new PlacementUnavailableError(err);
    }
  }

  private async placeViaRedis(roomId: string): Promise<Placement> {
    const current = await this.ownership.owner(roomId);
    if (current) {
      const resolved = await this.resolve(roomId, current);
      if (resolved) return resolved;
    }
    const nodes = await this.registry.list();
    const target = leastLoaded(nodes, this.registry.id);
    let result;
    try {
      result = await this.ownership.claim(roomId, target?.id ?? this.registry.id);
    } catch (err) {
      if (!(err instanceof NodeNotAliveError) || target?.id === this.registry.id) throw err;
      result = await this.ownership.claim(roomId, this.registry.id); // the target died meanwhile
    }
    const placed = await this.resolve(roomId, result.owner, nodes);
    if (!placed) throw new NodeNotAliveError(`room ${roomId} was placed on ${result.owner.nodeId}, which has no live heartbeat`);
    return placed;
  }

  /** The placement an existing owner means; undefined when that owner is not alive. */
  private async resolve(roomId: string, owner: RoomOwner, known: NodeInfo[] = []): Promise<Placement | undefined> {
    if (owner.nodeId === this.registry.id) {
      this.ownership.adopt(roomId, owner);
      return { local: true, owner };
    }
    const node = known.find((n) => n.id === owner.nodeId) ?? (await this.registry.get(owner.nodeId));
    return node ? { local: false, owner, node } : undefined;
  }
}

/**
 * The node with the most analysis headroom (fewest participants for its capacity), then fewest
 * rooms, then the lowest CPU load; `preferId` (the node asking) wins a tie on the first two.
 */
export function leastLoaded(nodes: NodeInfo[], preferId?: string): NodeInfo | undefined {
  const key = (n: NodeInfo) => [-n.load.analysisHeadroom, n.load.rooms] as const;
  const sorted = [...nodes].sort((a, b) => {
    const [ha, ra] = key(a);
    const [hb, rb] = key(b);
    return ha - hb || ra - rb || a.load.cpu - b.load.cpu;
  });
  const best = sorted[0];
  const preferred = nodes.find((n) => n.id === preferId);
  if (best && preferred && key(preferred)[0] === key(best)[0] && key(preferred)[1] === key(best)[1]) return preferred;
  return best;
}
