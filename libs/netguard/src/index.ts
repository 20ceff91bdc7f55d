export { BlockedAddressError, assertHostAllowed, checkPublicUrl, guardedLookup, isPublicAddress } from './address';
