import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Gives each request its headers; called per request, so each may be another user's. */
  headers?: () => Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** Runs autocannon against one URL and keeps the figures the report compares. */
export async function runLoad({
  url,
  connections,
  durationSeconds,
  headers,
}: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: durationSeconds,
    requests: [
      {
        method: 'GET',
        ...(headers
          ? {
              setupRequest: (request) => ({
                ...request,
                headers: { ...request.headers, ...headers() },
              }),
            }
          : {}),
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
