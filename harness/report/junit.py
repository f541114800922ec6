"""junit.xml: the gate and the parity signatures as test cases, so CI shows them natively.

Mapping (chosen so that a CI's test view agrees with the gate's exit code without ``--step``,
where only ROLLBACK and INVALID fail the job):

- suite ``gate``: one test case per schedule step. ADVANCE passes; HOLD is ``<skipped>`` (not
  enough evidence yet is not a failure, and it never turns into a pass by waiting alone);
  ROLLBACK is a ``<failure>``; INVALID is an ``<error>`` (the evidence itself is broken). The
  message is the gate's first reason, the body all reasons and the check table.
- suite ``parity``: one failing test case per mismatch signature (a difference a legacy client
  could see), or a single passing case when there is none.

Every element and attribute the JUnit XSD requires is written: ``testsuites``; ``testsuite``
with ``name``, ``tests``, ``failures``, ``errors``, ``skipped``, ``time``; ``testcase`` with
``name``, ``classname``, ``time``.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.parity.signatures import Signature
from harness.report import numbers
from harness.report.evidence import CheckRecord, RunEvidence, StepRecord, load_evidence
from harness.report.highlight import spell
from harness.report.signatures import example_of

JUNIT_XML = "junit.xml"
CLASS_PREFIX = "shadow-harness"
# Characters XML 1.0 cannot hold even escaped; a response value may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _sanitize(element: ET.Element) -> None:
    for node in element.iter():
        if node.text:
            node.text = _safe(node.text)
        for key, value in node.attrib.items():
            node.set(key, _safe(value))


def _check_line(check: CheckRecord) -> str:
    line = (f"{check.verdict:<10} {check.name}: observed "
            f"{numbers.in_unit(check.observed, check.unit)}, limit "
            f"{numbers.in_unit(check.limit, check.unit)}")
    if check.alpha is not None:
        line += f", alpha {numbers.plain(check.alpha)}"
    return line + (f" — {check.detail}" if check.detail else "")


def _step_case(suite: ET.Element, step: StepRecord) -> None:
    case = ET.SubElement(suite, "testcase", name=step.name, classname=f"{CLASS_PREFIX}.gate",
                         time="0")
    body = "\n".join([f"decision {step.decision} at {numbers.plain(step.graph_percentage)} % "
                      "graph", *(f"reason: {r}" for r in step.reasons),
                      *(_check_line(c) for c in step.checks)])
    decision = step.decision.upper()
    message = f"{decision}: {step.first_reason}"
    if decision == "HOLD":
        if step.needs_more_requests:
            message += f" (needs about {step.needs_more_requests:,} more requests)"
        ET.SubElement(case, "skipped", message=message)
    elif decision == "ROLLBACK":
        ET.SubElement(case, "failure", message=message, type=decision).text = body
    elif decision != "ADVANCE":
        ET.SubElement(case, "error", message=message, type=decision).text = body
    ET.SubElement(case, "system-out").text = body


def _signature_case(suite: ET.Element, signature: Signature) -> None:
    key = signature.key
    case = ET.SubElement(
        suite, "testcase", name=f"{key.path or '(whole body)'} {key.kind} [{signature.id}]",
        classname=f"{CLASS_PREFIX}.parity.{key.endpoint or 'unknown'}", time="0")
    message = (f"{key.layer} mismatch on {signature.rows:,} pairs "
               f"({numbers.percent(signature.rate)}), first seen in {signature.first_seen_id}")
    lines = [message, f"smallest request: {signature.smallest_id}"]
    example = example_of(signature)
    if example is not None:
        lines += [f"example request {example.request_id}: {spell(example.request)}",
                  f"legacy at {example.path}: {spell(example.legacy)}",
                  f"graph  at {example.path}: {spell(example.graph)}"]
    failure = ET.SubElement(case, "failure", message=message, type=f"{key.layer}/{key.kind}")
    failure.text = "\n".join(lines)


def _count(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for tag, attribute in (("failure", "failures"), ("error", "errors"),
                           ("skipped", "skipped")):
        suite.set(attribute, str(sum(1 for c in cases if c.find(tag) is not None)))
    suite.set("time", "0")


def render_junit(evidence: RunEvidence) -> bytes:
    signatures = evidence.signatures
    root = ET.Element("testsuites", name=f"{CLASS_PREFIX} {evidence.run_id}")
    host = str(evidence.run.get("host") or socket.gethostname())
    stamp = str(evidence.run.get("started_at") or "")[:19]
    attrs = {"hostname": host, **({"timestamp": stamp} if stamp else {})}

    gate_suite = ET.SubElement(root, "testsuite", name="gate", **attrs)
    if evidence.gate is None:
        case = ET.SubElement(gate_suite, "testcase", name="gate.json",
                             classname=f"{CLASS_PREFIX}.gate", time="0")
        ET.SubElement(case, "skipped", message="gate.json is absent: the run was not gated")
    else:
        for step in evidence.gate.steps:
            _step_case(gate_suite, step)
    _count(gate_suite)

    parity_suite = ET.SubElement(root, "testsuite", name="parity", **attrs)
    for signature in signatures:
        _signature_case(parity_suite, signature)
    if not signatures:
        ET.SubElement(parity_suite, "testcase", name="no mismatch signatures",
                      classname=f"{CLASS_PREFIX}.parity", time="0")
    _count(parity_suite)

    suites = root.findall("testsuite")
    for attribute in ("tests", "failures", "errors", "skipped"):
        root.set(attribute, str(sum(int(s.get(attribute, "0")) for s in suites)))
    duration = evidence.run.get("duration_s")
    root.set("time", f"{float(duration):.3f}" if numbers.is_number(duration) else "0")
    _sanitize(root)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(run_dir: Path, evidence: RunEvidence | None = None) -> Path:
    evidence = evidence or load_evidence(run_dir)
    path = Path(run_dir) / JUNIT_XML
    path.write_bytes(render_junit(evidence))
    return path
