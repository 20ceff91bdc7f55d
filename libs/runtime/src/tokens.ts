/** Injection tokens of the per-process infrastructure every app shares. */
export const CONFIG = Symbol('CONFIG');
export const DB = Symbol('DB');
export const REDIS = Symbol('REDIS');
export const NATS = Symbol('NATS');
export const SUBJECTS = Symbol('SUBJECTS');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const SECRET_BOX = Symbol('SECRET_BOX');
