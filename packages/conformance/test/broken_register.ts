import { brokenBackend } from './broken_backend.js';

brokenBackend.register();
