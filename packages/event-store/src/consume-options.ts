/**
 * How long each pull request of a `consume()` lives, in ms. nats.js (3.4) waits one such
 * period, with jitter of -50 % to +50 %, between two failed checks of a consumer after a
 * reconnect; at its default of 30 s a consumer resumed 15 to 45 s after NATS came back. A
 * pull request every few seconds on an idle consumer costs next to nothing.
 */
export const CONSUME_EXPIRES_MS = 5000;
