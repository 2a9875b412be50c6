package io.agentgateway.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One scenario measured as interleaved pairs: side A, side B, side A, side B, ... each run on a fresh process and a
 * fresh load. On a small shared machine a single run can swing by a factor of two; a pair's two runs share whatever
 * the machine was doing then, so the ratio within a pair is steadier than either figure. For each measure the
 * report gives the median of each side's runs and the median of the pairs' ratios A / B with its min–max (and, for
 * delays, the median difference A − B with its min–max).
 */
final class Paired {

    /** Which side a run is for. */
    enum Side { A, B }

    /** One run of one side: the figures it measured, by measure key. */
    @FunctionalInterface
    interface Run {
        Figures measure(Side side, int pair) throws Exception;
    }

    private record Measure(String key, String label, String unit, boolean delay) {
    }

    private final String title;
    private final String nameA;
    private final String nameB;
    private final List<Measure> measures = new ArrayList<>();
    private final List<Map<String, Double>> runsA = new ArrayList<>();
    private final List<Map<String, Double>> runsB = new ArrayList<>();

    /**
     * @param title what the scenario does, e.g. "100 sessions × 2000 tokens, agent flat out"
     * @param nameA the side under test ("gateway")
     * @param nameB the side it is judged against ("baseline (raw Vert.x)")
     */
    Paired(String title, String nameA, String nameB) {
        this.title = title;
        this.nameA = nameA;
        this.nameB = nameB;
    }

    /** A measure compared as a ratio. */
    Paired measure(String key, String label, String unit) {
        measures.add(new Measure(key, label, unit, false));
        return this;
    }

    /** A delay in milliseconds: compared as a ratio and as a difference (targets are added milliseconds). */
    Paired delay(String key, String label) {
        measures.add(new Measure(key, label, "ms", true));
        return this;
    }

    /**
     * Runs {@code pairs} pairs, A then B each time. A run that throws ends the scenario: what the pairs before it
     * measured is kept, and the exception goes to the caller.
     */
    void run(int pairs, Run run) throws Exception {
        for (int p = 0; p < pairs; p++) {
            for (Side side : Side.values()) {
                Map<String, Double> figures = run.measure(side, p).values;
                (side == Side.A ? runsA : runsB).add(figures);
                System.out.printf(Locale.ROOT, "  %s, pair %d/%d, %s: %s%n", title, p + 1, pairs,
                        side == Side.A ? nameA : nameB, describe(figures));
            }
        }
    }

    private String describe(Map<String, Double> figures) {
        List<String> parts = new ArrayList<>();
        for (Measure m : measures) {
            Double v = figures.get(m.key);
            parts.add(m.label + " " + (v == null ? "n/a" : fmt(v, m.unit)));
        }
        return String.join(", ", parts);
    }

    /** The scenario's table: one row per measure. */
    String markdown(String scenario) {
        int pairs = Math.min(runsA.size(), runsB.size());
        StringBuilder sb = new StringBuilder();
        sb.append("#### ").append(scenario).append(": ").append(title).append("\n\n");
        sb.append("| measure | ").append(nameA).append(" | ").append(nameB).append(" | ").append(nameA).append(" / ")
                .append(nameB).append(", ").append(pairs).append(pairs == 1 ? " pair" : " pairs")
                .append(": median (min–max) |\n");
        sb.append("|---|---:|---:|---:|\n");
        for (Measure m : measures) {
            List<Double> a = values(runsA, m.key);
            List<Double> b = values(runsB, m.key);
            List<Double> ratios = new ArrayList<>();
            List<Double> deltas = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                Double x = runsA.get(p).get(m.key);
                Double y = runsB.get(p).get(m.key);
                if (x != null && y != null) {
                    if (y > 0 && x >= 0) {
                        ratios.add(x / y);
                    }
                    deltas.add(x - y);
                }
            }
            String compared = ratios.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)",
                    median(ratios), Collections.min(ratios), Collections.max(ratios));
            if (m.delay && !deltas.isEmpty()) {
                compared += String.format(Locale.ROOT, "; %+.2f ms (%+.2f … %+.2f)", median(deltas),
                        Collections.min(deltas), Collections.max(deltas));
            }
            sb.append("| ").append(m.label).append(" | ").append(a.isEmpty() ? "n/a" : fmt(median(a), m.unit))
                    .append(" | ").append(b.isEmpty() ? "n/a" : fmt(median(b), m.unit)).append(" | ").append(compared)
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static List<Double> values(List<Map<String, Double>> runs, String key) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Double> r : runs) {
            if (r.get(key) != null) {
                v.add(r.get(key));
            }
        }
        return v;
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String fmt(double v, String unit) {
        String number = v == Math.rint(v) && Math.abs(v) < 1e9 ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
        return unit.isEmpty() ? number : number + " " + unit;
    }

    /** Figures of one run, in the order put. */
    static final class Figures {
        private final Map<String, Double> values = new LinkedHashMap<>();

        Figures put(String key, double value) {
            values.put(key, value);
            return this;
        }

        Double get(String key) {
            return values.get(key);
        }
    }
}
