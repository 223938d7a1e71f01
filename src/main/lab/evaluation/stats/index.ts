/** How sure each number is: bootstrap intervals, paired tests, corrections. Pure; no I/O. */
export * from './bootstrap';
export * from './compare';
export * from './groups';
export * from './holm';
export * from './mcnemar';
export * from './sentence';
export * from './weighted-metrics';
export * from './group-compare';
