// A worker thread does not inherit the tsx loader of the thread that started it: register it
// here, then load the worker's TypeScript body.
import { register } from 'tsx/esm/api';

register();
await import('./summary-thread.ts');
