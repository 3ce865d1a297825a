package io.etcdbackup.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The one results table: each figure beside a baseline measured in the same run, and their ratio. */
final class Table {

    /** One line of the table; {@code ratio} is value / baseline. */
    record Row(String figure, String setup, double value, String unit, String baselineName, double baseline,
               String baselineUnit, String note) {
        double ratio() {
            return baseline == 0 ? Double.NaN : value / baseline;
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> unmeasured = new ArrayList<>();

    synchronized void add(Row row) {
        rows.add(row);
        System.out.println("  measured: " + format(row));
    }

    synchronized void unmeasured(String what) {
        unmeasured.add(what);
        System.out.println("  NOT measured: " + what);
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, a >= 0.001 || a == 0 ? "%.3f" : "%.1e", v);
    }

    private static String format(Row r) {
        return r.figure() + " | " + r.setup() + " | " + num(r.value()) + " " + r.unit() + " | " + r.baselineName() + " "
                + num(r.baseline()) + " " + r.baselineUnit() + " | x" + num(r.ratio()) + (r.note().isEmpty() ? "" : " | " + r.note());
    }

    String text(Map<String, String> machine) {
        StringBuilder s = new StringBuilder();
        machine.forEach((k, v) -> s.append(String.format(Locale.ROOT, "%-9s %s%n", k + ":", v)));
        String[] head = {"#", "figure", "setup", "value", "baseline", "ratio", "note"};
        List<String[]> lines = new ArrayList<>();
        lines.add(head);
        for (Row r : rows) {
            lines.add(new String[] {number(r.figure()), name(r.figure()), r.setup(), num(r.value()) + " " + r.unit(),
                    r.baselineName() + ": " + num(r.baseline()) + " " + r.baselineUnit(), num(r.ratio()), r.note()});
        }
        int[] width = new int[head.length];
        for (String[] l : lines) {
            for (int c = 0; c < l.length; c++) {
                width[c] = Math.max(width[c], l[c].length());
            }
        }
        for (String[] l : lines) {
            for (int c = 0; c < l.length; c++) {
                s.append(String.format(Locale.ROOT, "%-" + width[c] + "s", l[c])).append(c < l.length - 1 ? "  " : "");
            }
            s.append('\n');
        }
        for (String u : unmeasured) {
            s.append("not measured: ").append(u).append('\n');
        }
        return s.toString();
    }

    String markdown(Map<String, String> machine) {
        StringBuilder s = new StringBuilder();
        s.append("| # | Figure | Setup | Value | Baseline (same run) | Ratio | Note |\n|---|---|---|---:|---|---:|---|\n");
        for (Row r : rows) {
            s.append("| ").append(number(r.figure())).append(" | ").append(name(r.figure())).append(" | ").append(r.setup())
                    .append(" | ").append(num(r.value())).append(' ').append(r.unit()).append(" | ").append(r.baselineName()).append(": ")
                    .append(num(r.baseline())).append(' ').append(r.baselineUnit()).append(" | ").append(num(r.ratio())).append(" | ")
                    .append(r.note()).append(" |\n");
        }
        s.append('\n');
        machine.forEach((k, v) -> s.append("- ").append(k).append(": ").append(v).append('\n'));
        for (String u : unmeasured) {
            s.append("- not measured: ").append(u).append('\n');
        }
        return s.toString();
    }

    void write(Path dir, String stem, Map<String, String> machine, String mode, double totalSeconds) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("mode", mode);
        root.put("machine", machine);
        root.put("totalSeconds", totalSeconds);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("figure", r.figure());
            m.put("setup", r.setup());
            m.put("value", r.value());
            m.put("unit", r.unit());
            m.put("baseline", r.baselineName());
            m.put("baselineValue", r.baseline());
            m.put("baselineUnit", r.baselineUnit());
            m.put("ratio", Double.isNaN(r.ratio()) ? null : r.ratio());
            m.put("note", r.note());
            list.add(m);
        }
        root.put("rows", list);
        root.put("notMeasured", unmeasured);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(stem + ".json").toFile(), root);
        StringBuilder csv = new StringBuilder("figure,setup,value,unit,baseline,baseline_value,baseline_unit,ratio,note\n");
        for (Row r : rows) {
            csv.append(String.join(",", q(r.figure()), q(r.setup()), Double.toString(r.value()), q(r.unit()), q(r.baselineName()),
                    Double.toString(r.baseline()), q(r.baselineUnit()), Double.isNaN(r.ratio()) ? "" : Double.toString(r.ratio()),
                    q(r.note()))).append('\n');
        }
        Files.writeString(dir.resolve(stem + ".csv"), csv, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(stem + ".md"), markdown(machine), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(stem + ".txt"), text(machine), StandardCharsets.UTF_8);
    }

    private static String q(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    /** The figure's number, e.g. {@code 2a} of {@code "2a replay rate"}. */
    static String number(String figure) {
        int space = figure.indexOf(' ');
        return space < 0 ? figure : figure.substring(0, space);
    }

    /** The figure's name, e.g. {@code replay rate} of {@code "2a replay rate"}. */
    static String name(String figure) {
        int space = figure.indexOf(' ');
        return space < 0 ? "" : figure.substring(space + 1);
    }
}
