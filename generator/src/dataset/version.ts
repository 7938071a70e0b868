/** The dataset generator's version, written into dataset.json and into the record cache's key. */
export const GENERATOR_VERSION = "0.1.0";
