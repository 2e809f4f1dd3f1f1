package dev.herald.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Prometheus text exposition format (0.0.4) and checks it the way {@code promtool check metrics}
 * does: every family has non-empty HELP and a TYPE, before its samples and once; names and label names
 * are valid; label values are well quoted; each family's samples are together; no series appears twice;
 * and promtool's lint rules (counters end in {@code _total}, only histograms and summaries end in
 * {@code _count}, {@code _sum} or {@code _bucket}, no abbreviated units).
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"\\s*(,|$)");
    /** promtool's (client_golang promlint's) unit abbreviations: a name part equal to one of them is refused. */
    private static final Set<String> ABBREVIATED = Set.of("s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One family: its name, help, type and samples (name with labels to value). */
    record Family(String name, String help, String type, Map<String, Double> samples) {}

    private PrometheusText() {}

    /** The families in {@code text}, or an {@link AssertionError} listing every problem found. */
    static Map<String, Family> parse(String text) {
        List<String> problems = new ArrayList<>();
        Map<String, String> help = new HashMap<>();
        Map<String, String> type = new HashMap<>();
        Map<String, Map<String, Double>> samples = new LinkedHashMap<>();
        Set<String> finished = new HashSet<>();
        String current = null;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) continue;
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ", 2);
                String family = p[0];
                if (!NAME.matcher(family).matches()) problems.add(n + ": bad family name " + family);
                if (!family.equals(current)) {
                    if (current != null) finished.add(current);
                    if (finished.contains(family)) problems.add(n + ": family " + family + " is not together");
                    current = family;
                }
                if (samples.containsKey(family) && !samples.get(family).isEmpty()) problems.add(n + ": " + line.substring(0, 6) + " after samples of " + family);
                if (line.startsWith("# HELP ")) {
                    if (help.put(family, p.length > 1 ? p[1] : "") != null) problems.add(n + ": second HELP for " + family);
                } else {
                    String t = p.length > 1 ? p[1] : "";
                    if (!TYPES.contains(t)) problems.add(n + ": bad type '" + t + "' for " + family);
                    if (type.put(family, t) != null) problems.add(n + ": second TYPE for " + family);
                }
                samples.putIfAbsent(family, new TreeMap<>());
                continue;
            }
            if (line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, Math.max(space, 0));
            if (!NAME.matcher(name).matches()) {
                problems.add(n + ": bad sample name in " + line);
                continue;
            }
            TreeMap<String, String> labels = new TreeMap<>();
            String rest;
            if (brace >= 0 && brace < space) {
                int close = line.lastIndexOf('}');
                String inside = line.substring(brace + 1, close);
                Matcher m = LABEL.matcher(inside);
                int at = 0;
                while (at < inside.length() && m.find(at) && m.start() == at) {
                    if (m.group(1).startsWith("__")) problems.add(n + ": reserved label " + m.group(1));
                    if (labels.put(m.group(1), m.group(2)) != null) problems.add(n + ": label " + m.group(1) + " twice");
                    at = m.end();
                }
                if (at != inside.length()) problems.add(n + ": bad labels in " + line);
                rest = line.substring(close + 1).trim();
            } else {
                rest = line.substring(space + 1).trim();
            }
            String value = rest.split(" ")[0];
            double v;
            try {
                v = switch (value) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    case "NaN" -> Double.NaN;
                    default -> Double.parseDouble(value);
                };
            } catch (NumberFormatException e) {
                problems.add(n + ": bad value in " + line);
                continue;
            }
            String family = familyOf(name, current, type);
            if (family == null) {
                problems.add(n + ": sample " + name + " outside its family (current " + current + ")");
                continue;
            }
            if (samples.get(family).put(name + labels, v) != null) problems.add(n + ": duplicate series " + name + labels);
        }
        Map<String, Family> out = new LinkedHashMap<>();
        for (String family : samples.keySet()) {
            String h = help.get(family);
            String t = type.get(family);
            if (h == null || h.isBlank()) problems.add("no HELP text for " + family);
            if (t == null) problems.add("no TYPE for " + family);
            if ("counter".equals(t) && !family.endsWith("_total")) problems.add("counter " + family + " does not end in _total");
            if (!"histogram".equals(t) && !"summary".equals(t) && family.matches(".*_(count|sum|bucket)$")) {
                problems.add(family + ": non-histogram and non-summary metrics should not end in _count, _sum or _bucket");
            }
            for (String part : family.split("_")) {
                if (ABBREVIATED.contains(part)) problems.add(family + ": abbreviated unit '" + part + "'");
            }
            out.put(family, new Family(family, h, t, samples.get(family)));
        }
        if (!problems.isEmpty()) throw new AssertionError("the exposition is not valid:\n" + String.join("\n", problems));
        return out;
    }

    private static String familyOf(String sample, String current, Map<String, String> type) {
        if (current == null) return null;
        if (sample.equals(current)) return current;
        String t = type.get(current);
        if ("histogram".equals(t) && (sample.equals(current + "_bucket") || sample.equals(current + "_sum") || sample.equals(current + "_count"))) return current;
        if ("summary".equals(t) && (sample.equals(current + "_sum") || sample.equals(current + "_count"))) return current;
        return null;
    }
}
