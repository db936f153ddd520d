/**
 * The entry file of a stage's worker in a browser (a module `Worker`, which Vite bundles with
 * what it imports), and in Node where the build made no bundle (see node-worker.ts): serves the
 * main thread's jobs (worker-jobs.ts).
 *
 * @module
 */
import { serveJobs } from './worker-jobs.js';

serveJobs();
