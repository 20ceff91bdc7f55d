export { BlockedAddressError, checkPublicUrl, guardedLookup, isPublicAddress } from './address';
