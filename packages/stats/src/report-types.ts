/** Small types shared by the report's parts (kept apart so the parts do not import each other). */

/** An interval whose ends may be unrepresentable (null) in JSON. */
export interface ReportInterval {
  lower: number | null;
  upper: number | null;
}
