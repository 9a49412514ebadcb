/**
 * Configuration comes from the environment only, and is validated once at start: a bad value
 * stops the process with a message naming the variable, instead of failing later and obscurely.
 * Every variable is listed, with its default, in .env.example.
 */
import os from 'node:os';
import path from 'node:path';

import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Port = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: defaultValue, description });

const OneOf = <const T extends string>(values: readonly T[], defaultValue: T) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: defaultValue },
  );

export const ConfigSchema = Type.Object({
  PORT: Port(8080, 'HTTP port (0 picks a free one)'),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'HTTP listen address' }),
  LOG_LEVEL: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL; unset = embedded PGlite' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'embedded database and library files' }),
  MEDIASOUP_WORKERS: Type.Integer({ minimum: 1, maximum: 64, default: os.availableParallelism() }),
  MEDIASOUP_LISTEN_IP: Type.String({ minLength: 1, default: '0.0.0.0' }),
  MEDIASOUP_ANNOUNCED_IP: Type.Optional(Type.String({ minLength: 1 })),
  MEDIASOUP_LOG_LEVEL: OneOf(['debug', 'warn', 'error', 'none'], 'warn'),
  RTC_MIN_PORT: Port(40000, 'lowest UDP/TCP port for WebRTC'),
  RTC_MAX_PORT: Port(49999, 'highest UDP/TCP port for WebRTC'),
  ANALYSIS_ENABLED: Type.Boolean({ default: true, description: 'run the emotion models on decoded media' }),
  MODELS_EXECUTION_PROVIDER: OneOf(['auto', 'cuda', 'cpu'], 'auto'),
  // Unset: the classifier models/face ships as its default (the one that scored higher on PublicTest).
  FACE_CLASSIFIER: Type.Optional(
    Type.Union([
      Type.Literal('fer_cnn48'),
      Type.Literal('mini_xception_64'),
      Type.Literal('mini_xception_64_flip'),
      Type.Literal('mini_xception_64_flip_shift5'),
      Type.Literal('ensemble_mx_flip_cnn48'),
    ]),
  ),
  ANALYSIS_FPS: Type.Number({
    exclusiveMinimum: 0,
    maximum: 30,
    default: 5,
    description: 'video frames per second handed to the face model',
  }),
  ANALYSIS_WIDTH: Type.Integer({ minimum: 64, maximum: 1920, default: 320 }),
  ANALYSIS_HEIGHT: Type.Integer({ minimum: 48, maximum: 1080, default: 240 }),
  ANALYSIS_WORKERS: Type.Integer({
    minimum: 0,
    maximum: 64,
    default: 0,
    description: 'emotion-model worker threads; 0 = one per core (CPU), one batching worker (CUDA)',
  }),
  ANALYSIS_WORKER_NICE: Type.Integer({
    minimum: 0,
    maximum: 19,
    default: 5,
    description: 'nice value of the emotion-model threads: above 0 the media path keeps the cores first',
  }),
  ANALYSIS_STEADY_FPS: Type.Number({
    minimum: 0,
    maximum: 30,
    default: 0,
    description: "face frames per second while a participant's expression is steady; 0 = always ANALYSIS_FPS",
  }),
  ROOM_MAX_PARTICIPANTS: Type.Integer({ minimum: 1, maximum: 1000, default: 60 }),
  SIGNALLING_RATE_PER_SECOND: Type.Integer({ minimum: 1, default: 100, description: 'signalling messages per second per socket' }),
  ALLOW_ANONYMOUS_ROOMS: Type.Boolean({ default: false, description: 'let devices join rooms without a token (kiosks, demos, tests)' }),
  CORS_ORIGIN: Type.String({ default: '', description: 'comma-separated allowed origins; empty = same origin only' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600, description: 'requests per minute per client IP' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 4000 }),
  // Cluster (server/cluster/, docs/CLUSTER.md): set REDIS_URL and every node with the same Redis,
  // PostgreSQL and JWT_SECRET forms one service.
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'Redis of the cluster; unset = a single node, no Redis' })),
  REDIS_KEY_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_.:-]{1,64}$',
    default: 'moodify',
    description: 'prefix of every cluster key and channel in Redis',
  }),
  NODE_ID: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'this node in the cluster; unset = host name + random suffix' }),
  ),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^/]+$',
      description: 'where clients and other nodes reach this node (http://10.0.0.5:8080); unset = http://HOST-or-announced-IP:port',
    }),
  ),
  CLUSTER_NODE_TTL_MS: Type.Integer({
    minimum: 500,
    maximum: 60000,
    default: 3000,
    description: 'a node without a heartbeat for this long is dead',
  }),
  CLUSTER_ROOM_LEASE_MS: Type.Integer({
    minimum: 1000,
    maximum: 120000,
    default: 8000,
    description: 'room ownership lease (renewed every third of it)',
  }),
  CLUSTER_NODE_CAPACITY: Type.Integer({
    minimum: 1,
    maximum: 10000,
    default: 20,
    description: 'analysed participants one node carries (placement headroom)',
  }),
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 32, description: 'HMAC secret for access tokens; unset = generated once and kept in DATA_DIR/jwt-secret' }),
  ),
  ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 10, maximum: 86400, default: 900, description: 'access token lifetime in seconds' }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 30, description: 'refresh token lifetime in days' }),
  AUTH_RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'sign-up/log-in/refresh/invite requests per minute per client IP',
  }),
  RETENTION_DAYS: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 30,
    description: 'emotion samples, plays and feedback older than this are deleted',
  }),
  RETENTION_INTERVAL_MIN: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 60,
    description: 'how often the retention job runs, in minutes',
  }),
  STREAM_SEGMENT_S: Type.Number({ minimum: 0.5, maximum: 6, default: 1, description: 'HLS segment duration, seconds' }),
  STREAM_CROSSFADE_S: Type.Number({ minimum: 0, maximum: 15, default: 4, description: 'crossfade between tracks, seconds' }),
  STREAM_TARGET_LUFS: Type.Number({ minimum: -40, maximum: -5, default: -16, description: 'loudness every track is matched to' }),
  STREAM_IDLE_STOP_S: Type.Number({
    minimum: 0,
    maximum: 3600,
    default: 30,
    description: 'a room stream stops this long after its last member or listener left',
  }),
  STREAM_MAX_ROOMS: Type.Integer({
    minimum: 1,
    maximum: 10000,
    default: 24,
    description: 'at most this many room streams run on this server at once (each is two ffmpeg processes); more answer 503',
  }),
  MUSIC_MIN_DWELL_S: Type.Number({
    minimum: 0,
    maximum: 600,
    default: 45,
    description: 'a track plays at least this long before a mood change or a mood override may end it early',
  }),
  MUSIC_MAX_UPLOAD_MB: Type.Number({
    exclusiveMinimum: 0,
    default: 100,
    description: 'largest file accepted by POST /api/music/import, in MB',
  }),
  MUSIC_BUNDLED_IMPORT: Type.Optional(
    Type.Boolean({ description: "import the bundled Debian music when the library is empty; unset = on, except under node's test runner" }),
  ),
  MUSIC_FIRST_PICK_WAIT_S: Type.Number({
    minimum: 0,
    maximum: 10,
    default: 10,
    description: "a room's first track waits at most this long for a confident reading of the room",
  }),
  CLIENT_SOURCEMAPS: Type.Boolean({
    default: false,
    description: "serve the client's source maps (they hand out its whole source): for a developer build only",
  }),
  REQUEST_TIMEOUT_S: Type.Number({
    minimum: 1,
    maximum: 3600,
    default: 60,
    description: 'a request (headers and body) must arrive within this many seconds, or its connection is closed',
  }),
  DB_QUERY_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600000,
    default: 4000,
    description: 'a PostgreSQL query (or a wait for a connection) that takes longer fails with 503',
  }),
  REFRESH_REUSE_GRACE_S: Type.Number({
    minimum: 0,
    maximum: 60,
    default: 10,
    description:
      'a refresh token presented again this soon after its rotation gets the same successor (concurrent refreshes), not a revoked log-in',
  }),
});

export type AppConfig = Omit<Static<typeof ConfigSchema>, 'MUSIC_BUNDLED_IMPORT'> & { DATA_DIR_ABS: string; MUSIC_BUNDLED_IMPORT: boolean };

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Reads only the variables the schema knows; empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const candidate = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const firstError = Value.Errors(ConfigSchema, candidate).First();
  if (firstError) {
    const variable = firstError.path.replace(/^\//, '') || 'environment';
    const given = raw[variable];
    const allowed = (ConfigSchema.properties as Record<string, { anyOf?: { const: string }[] }>)[variable]?.anyOf;
    const detail = allowed ? `must be one of ${allowed.map((a) => a.const).join(', ')}` : firstError.message;
    throw new ConfigError(variable, `${detail}${given === undefined ? '' : ` (got "${String(given)}")`}`);
  }
  const config = candidate as Static<typeof ConfigSchema>;
  if (config.REDIS_URL && !config.DATABASE_URL) {
    throw new ConfigError(
      'DATABASE_URL',
      'a cluster (REDIS_URL is set) needs PostgreSQL shared by every node; the embedded PGlite belongs to one process',
    );
  }
  if (config.REDIS_URL && !config.JWT_SECRET) {
    throw new ConfigError(
      'JWT_SECRET',
      'a cluster (REDIS_URL is set) needs one JWT_SECRET on every node, or tokens from one node fail on the others',
    );
  }
  if (config.RTC_MIN_PORT > config.RTC_MAX_PORT) {
    throw new ConfigError('RTC_MIN_PORT', `must not exceed RTC_MAX_PORT (${config.RTC_MIN_PORT} > ${config.RTC_MAX_PORT})`);
  }
  return {
    ...config,
    DATA_DIR_ABS: path.resolve(config.DATA_DIR),
    // Unset, on, except in a process node's test runner started (it marks the process, whatever
    // env a test hands in here): every test server would otherwise spend its life analysing 30
    // tracks on a 2-core machine.
    MUSIC_BUNDLED_IMPORT: config.MUSIC_BUNDLED_IMPORT ?? !process.env.NODE_TEST_CONTEXT,
  };
}
