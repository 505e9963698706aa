// A reference SRX 2.0 engine on java.util.regex, to check that tmkit's
// engine (and its translation of the Java regex dialect) splits like Java.
//
// Same semantics as tmkit: paragraphs at blank lines, then every position
// of a paragraph is a candidate and the first rule whose beforebreak
// matches ending there and whose afterbreak matches starting there decides.
//
//   javac -d /tmp SrxReference.java
//   java -cp /tmp SrxReference RULES.srx LANG < texts.b64 > sentences.b64
//
// Input: one base64 text per line. Output: one line per text, the trimmed
// sentences joined by U+0001, base64.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.regex.*;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.*;

public class SrxReference {
    record Rule(boolean brk, Pattern before, Pattern after) {}

    static String text(Element rule, String tag) {
        NodeList l = rule.getElementsByTagNameNS("*", tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent();
    }

    public static void main(String[] args) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new File(args[0]));
        String lang = args[1];
        Element header = (Element) doc.getElementsByTagNameNS("*", "header").item(0);
        boolean cascade = header != null && "yes".equals(header.getAttribute("cascade"));
        Map<String, List<Element>> byName = new LinkedHashMap<>();
        NodeList lrs = doc.getElementsByTagNameNS("*", "languagerule");
        for (int i = 0; i < lrs.getLength(); i++) {
            Element lr = (Element) lrs.item(i);
            List<Element> rules = byName.computeIfAbsent(lr.getAttribute("languagerulename"), k -> new ArrayList<>());
            NodeList rs = lr.getElementsByTagNameNS("*", "rule");
            for (int j = 0; j < rs.getLength(); j++) rules.add((Element) rs.item(j));
        }
        List<Rule> rules = new ArrayList<>();
        NodeList maps = doc.getElementsByTagNameNS("*", "languagemap");
        for (int i = 0; i < maps.getLength(); i++) {
            Element m = (Element) maps.item(i);
            if (!Pattern.compile(m.getAttribute("languagepattern")).matcher(lang).matches()) continue;
            for (Element r : byName.getOrDefault(m.getAttribute("languagerulename"), List.of())) {
                String b = text(r, "beforebreak"), a = text(r, "afterbreak");
                try {
                    rules.add(new Rule(!"no".equals(r.getAttribute("break")),
                            b.isEmpty() ? null : Pattern.compile("(?:" + b + ")\\z"),
                            a.isEmpty() ? null : Pattern.compile(a)));
                } catch (PatternSyntaxException e) {
                    System.err.println("skipped: " + e.getMessage());
                }
            }
            if (!cascade) break;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String t = new String(Base64.getDecoder().decode(line), StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            for (String para : t.split("\\n[ \\t\\r\\u000B\\f]*\\n")) {
                int from = 0;
                for (int p = 1; p < para.length(); p++) {
                    if (Character.isLowSurrogate(para.charAt(p))) continue;
                    for (Rule r : rules) {
                        if (matches(r, para, p)) {
                            if (r.brk) {
                                add(out, para.substring(from, p));
                                from = p;
                            }
                            break;
                        }
                    }
                }
                add(out, para.substring(from));
            }
            String joined = String.join("\u0001", out);
            System.out.println(Base64.getEncoder().encodeToString(joined.getBytes(StandardCharsets.UTF_8)));
        }
    }

    static boolean matches(Rule r, String s, int p) {
        if (r.before != null) {
            Matcher m = r.before.matcher(s);
            m.region(0, p);
            m.useTransparentBounds(true);
            m.useAnchoringBounds(true);
            if (!m.find()) return false;
        }
        if (r.after != null) {
            Matcher m = r.after.matcher(s);
            m.region(p, s.length());
            m.useTransparentBounds(true);
            m.useAnchoringBounds(false);
            if (!m.lookingAt()) return false;
        }
        return true;
    }

    static void add(List<String> out, String s) {
        // Trim like Rust's str::trim (Unicode White_Space, no-break spaces included).
        String t = s.replaceAll("(?U)^[\\s\\p{Z}]+|[\\s\\p{Z}]+$", "");
        if (!t.isEmpty()) out.add(t);
    }
}
