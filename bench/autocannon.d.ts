// autocannon ships no types; the part bench/hls.ts uses.
declare module 'autocannon' {
  interface Request { method?: string; path?: string; setupRequest?: (req: Request) => Request }
  interface Options { url: string; connections: number; duration: number; overallRate?: number; connectionRate?: number; requests?: Request[]; timeout?: number }
  interface Histogram { p50: number; p90: number; p99: number; max: number; average: number }
  interface Result { errors: number; timeouts: number; non2xx: number; requests: { total: number; average: number }; latency: Histogram; throughput: { average: number } }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
