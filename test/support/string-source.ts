export { stringSource } from '../../shared/adapters/memory/string-source.js';
