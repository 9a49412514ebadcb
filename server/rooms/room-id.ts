/**
 * The one rule for a room id, wherever one arrives (signalling's join and watch, the music and stream
 * routes, the cluster's stream paths): 1–64 letters, digits, '_' or '-', the first a letter or digit.
 * One rule, so a room anyone can join is one its listeners can reach and its members can steer.
 */
import { Type } from '@sinclair/typebox';

/** The rule without anchors, for patterns that embed it (a URL path). */
export const ROOM_ID_SOURCE = '[A-Za-z0-9][A-Za-z0-9_-]{0,63}';
/** The whole-string pattern, for JSON schemas. */
export const ROOM_ID_PATTERN = `^${ROOM_ID_SOURCE}$`;
export const RoomId = Type.String({ pattern: ROOM_ID_PATTERN });
