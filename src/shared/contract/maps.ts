/**
 * The embedding map of a run: UMAP of the run's stored features of its test images (the layer
 * before the classifier head) to 2-D, seeded, computed once by a job and stored with the run.
 */
import { z } from 'zod';
import { Id, JobInfo, type RequestSpec } from './common';

/** The seed of a map unless the request names another: the same run gives the same map. */
export const DEFAULT_MAP_SEED = 42;
/** The most points a map holds (the test set's size is far below). */
export const MAX_MAP_POINTS = 100_000;

/** What colours a map's points: true class, predicted class, right/wrong, mutual information, background share, a tag. */
export const MAP_COLOUR_BY = ['true', 'predicted', 'outcome', 'mi', 'background', 'tag'] as const;
export type MapColourBy = (typeof MAP_COLOUR_BY)[number];

export const MapRequest = z.object({
  id: Id,
  seed: z.number().int().nonnegative().max(0xffffffff).default(DEFAULT_MAP_SEED),
  /** UMAP's neighbourhood size (umap-learn's default 15). */
  neighbours: z.number().int().min(2).max(200).default(15),
  /** UMAP's min_dist (umap-learn's default 0.1). */
  minDist: z.number().min(0).max(1).default(0.1),
});
export type MapRequest = z.input<typeof MapRequest>;

/** How a stored map was made. */
export const MapInfo = z.object({
  runId: Id,
  method: z.literal('umap'),
  seed: z.number().int().nonnegative(),
  neighbours: z.number().int().positive(),
  minDist: z.number().nonnegative(),
  epochs: z.number().int().positive(),
  /** Feature dimension of the points. */
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  createdAt: z.string(),
});
export type MapInfo = z.infer<typeof MapInfo>;

const Values = z.array(z.number().nullable());

/**
 * A run's map with what colours it, one entry per test image in index order (arrays, not
 * objects: 10,000 points stay a small answer): coordinates in [0, 1], the true class, and from
 * the run's current evaluation and explanation the predicted class, the mutual information and
 * the background share (null where the run has none); `tags`: each tag's images (live).
 */
export const RunMap = MapInfo.extend({
  classes: z.array(z.string()),
  index: z.array(z.number().int().nonnegative()),
  x: z.array(z.number()),
  y: z.array(z.number()),
  label: z.array(z.number().int()),
  predicted: z.array(z.number().int().nullable()),
  mutualInformation: Values,
  background: Values,
  tags: z.record(z.string(), z.array(z.number().int().nonnegative())),
});
export type RunMap = z.infer<typeof RunMap>;

/** A region of a run's map (box or lasso), as a polygon of map coordinates: its images are the points inside. */
export const MapRegion = z.object({
  runId: Id,
  polygon: z
    .array(z.tuple([z.number().finite(), z.number().finite()]))
    .min(3, 'a region needs at least 3 corners')
    .max(500, 'a region has at most 500 corners'),
});
export type MapRegion = z.infer<typeof MapRegion>;

/** One point of a map as the CLI prints it (one JSON line per test image). */
export const MapPoint = z.object({ index: z.number().int().nonnegative(), x: z.number(), y: z.number() });
export type MapPoint = z.infer<typeof MapPoint>;

export const mapRequests = {
  /** Queues the map of a finished run's test images (its features first, if it has none). */
  mapRun: { input: MapRequest, output: z.object({ job: JobInfo }) },
  /** The run's stored map with what colours it, or null when it has none. */
  getMap: { input: z.object({ runId: Id }), output: RunMap.nullable() },
} as const satisfies Record<string, RequestSpec>;

export const mapEvents = {
  /** A run's map was stored. */
  runMapped: z.object({ map: MapInfo }),
} as const satisfies Record<string, z.ZodType>;
