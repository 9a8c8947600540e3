/** The garbage collector: cascading deletion through ownerReferences (background, foreground, orphan). */
export { GC_MONITORED, GarbageCollector, newGarbageCollector, refForOwner } from './garbage-collector.js';
export * from './graph.js';
