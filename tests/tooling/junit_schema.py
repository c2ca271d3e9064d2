"""What ``junit.xml`` must satisfy: the essential constraints of the Jenkins xunit
plugin's ``junit-10.xsd`` (jenkinsci/xunit-plugin,
``src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd``),
written out so the tooling tests need no schema validator."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# The essential constraints of the Jenkins xunit plugin's junit-10.xsd
# (jenkinsci/xunit-plugin, src/main/resources/.../xsd/junit-10.xsd).
JUNIT_ATTRS = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set()),
    "testsuite": (
        {
            "name",
            "tests",
            "failures",
            "errors",
            "group",
            "time",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
        },
        {"name", "tests", "failures", "errors"},
    ),
    "testcase": ({"name", "time", "classname", "group"}, {"name"}),
    "failure": ({"type", "message"}, set()),
    "error": ({"type", "message"}, set()),
    "skipped": ({"type", "message"}, set()),
}
JUNIT_CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"testsuite", "properties", "testcase", "system-out", "system-err"},
    "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
    "failure": set(),
    "error": set(),
    "skipped": set(),
}
SUREFIRE_TIME = r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?"


def junit_problems(path) -> list[str]:
    """What in ``path`` breaks junit-10.xsd (or is not well-formed XML 1.0 at all)."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        return [f"not well-formed: {exc}"]
    if root.tag != "testsuites":
        return [f"root is <{root.tag}>"]
    out = []
    for el in root.iter():
        if el.tag not in JUNIT_ATTRS:
            out.append(f"<{el.tag}> is not in the schema")
            continue
        allowed, required = JUNIT_ATTRS[el.tag]
        out += [f"<{el.tag}> has {a}=" for a in set(el.attrib) - allowed]
        out += [f"<{el.tag}> lacks {a}=" for a in required - set(el.attrib)]
        out += [f"<{c.tag}> inside <{el.tag}>" for c in el if c.tag not in JUNIT_CHILDREN[el.tag]]
        if "time" in el.attrib and el.tag in ("testsuites", "testsuite"):
            if not re.fullmatch(SUREFIRE_TIME, el.get("time")):
                out.append(f"<{el.tag}> time={el.get('time')!r}")
        for a in ("tests", "failures", "errors", "skipped"):
            if a in el.attrib and not el.get(a).isdigit():
                out.append(f"<{el.tag}> {a}={el.get(a)!r}")
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(len(c.findall("failure")) > 0 for c in cases),
            "errors": sum(len(c.findall("error")) > 0 for c in cases),
        }
        out += [
            f"suite {suite.get('name')}: {k}={suite.get(k)} but {v} counted"
            for k, v in counted.items()
            if suite.get(k) != str(v)
        ]
    return out
