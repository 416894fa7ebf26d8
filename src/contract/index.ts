export * from './keys.js';
export * from './values.js';
