export { AddressPolicy, parseAllowedPrivateHosts, type AddressVerdict } from './address-policy.ts';
export {
  DestinationGuard,
  DestinationNotAllowedError,
  type CheckedDestination,
  type DestinationGuardOptions,
  type LookupAll,
} from './destination-guard.ts';
export { destinationsEnv } from './destinations-env.ts';
