import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset paths, so the static build in dist/ works from any folder of a web server.
  base: './',
  build: {
    target: 'es2022',
  },
});
