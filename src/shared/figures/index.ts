/** Figure definitions shared by the screen, the CLI and reports (no Node, no DOM). */
export * from './types';
export * from './style';
export * from './axes';
export * from './caption';
export * from './curves';
export * from './calibration';
export * from './matrix';
export * from './intervals';
export * from './metrics';
export * from './boxplots';
export * from './figures';
export * from './case-panel';
export * from './embedding-map';
export * from './neighbour-strip';
