/** The parts of parse-prometheus-text-format (no types published) that the metrics test uses. */
declare module 'parse-prometheus-text-format' {
  export interface MetricFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly unknown[];
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
