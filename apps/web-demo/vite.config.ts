import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset paths, so the static build in dist/ works from any folder of a web server.
  base: './',
  build: {
    target: 'es2022',
    // The gpujs backend's chunk is about 650 kB, most of it gpu.js's browser build. The page
    // loads it on demand, so the limit is raised for it.
    chunkSizeWarningLimit: 800,
  },
});
