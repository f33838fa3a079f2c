export * from './awareness';
export * from './close-codes';
export * from './messages';
export * from './protocol-error';
export * from './validate-payload';
export * from './document-path';
