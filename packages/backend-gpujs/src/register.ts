import { registerGpujsBackend } from './index.js';

registerGpujsBackend();
