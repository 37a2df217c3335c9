/** The ceilings' activity: it does nothing but say when it ran. */
export const benchActivities = {
  benchNoop: async (): Promise<number> => Date.now(),
};
export type BenchActivities = typeof benchActivities;
