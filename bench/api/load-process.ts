import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

// Runs autocannon in a process of its own, so that the load generator does not share the
// event loop of the server it measures. Reads its options as JSON from argv[2]; writes the
// figures as JSON on standard output.
const { url, connections, durationSeconds, tokensFile } = JSON.parse(process.argv[2] ?? '{}');
const tokens: string[] = tokensFile ? JSON.parse(readFileSync(tokensFile, 'utf8')) : [];

const result = await autocannon({
  url,
  connections,
  duration: durationSeconds,
  requests: [
    {
      method: 'GET',
      ...(tokens.length > 0
        ? {
            setupRequest: (request) => ({
              ...request,
              headers: {
                ...request.headers,
                authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}`,
              },
            }),
          }
        : {}),
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }),
);
