// The alert catalogue the pack requires: every checklist alert ID and the alert names that
// implement it. The pack carries its own copy so it installs and runs from policies/ alone;
// test/alertCatalogue.test.ts keeps it equal to the one the program builds its rules from.

/** AL-01 … AL-14 and the PrometheusRule alert names behind each. */
export const ALERT_CATALOGUE: Readonly<Record<string, readonly string[]>> = {
    "AL-01": ["HighErrorRate"],
    "AL-02": ["APIUnresponsive"],
    "AL-03": ["HighLatency"],
    "AL-04": ["HighCPU"],
    "AL-05": ["HighMemory"],
    "AL-06": ["PodRestarting"],
    "AL-07": ["DatabaseDown"],
    "AL-08": ["ReplicationLag"],
    "AL-09": ["DatabaseConnectionPool"],
    "AL-10": ["DatabaseStorageLow"],
    "AL-11": ["CacheHitRatioLow"],
    "AL-12": ["SLOBurnRateFast", "SLOBurnRateMedium", "SLOBurnRateSlow"],
    "AL-13": ["CanaryWorseThanStableErrors", "CanaryWorseThanStableLatency"],
    "AL-14": ["HPAAtMax"],
};

/**
 * The alert IDs that watch a data store: required only when the stack has that store, since an
 * alert over a store the stack lacks can never fire.
 */
export const STORE_ALERT_IDS: Readonly<Record<"database" | "cache", readonly string[]>> = {
    database: ["AL-07", "AL-08", "AL-09", "AL-10"],
    cache: ["AL-11"],
};
