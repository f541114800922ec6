"""junit.xml: the JUnit schema's required elements, one case per step and per signature, and
the documented decision mapping (HOLD skipped, ROLLBACK failure, INVALID error)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from run_dirs import gate_dict

from harness.report import JUNIT_XML, load_evidence, write_junit

SUITE_ATTRIBUTES = ("name", "tests", "failures", "errors", "skipped", "time")
CASE_ATTRIBUTES = ("name", "classname", "time")


def parse(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    return root


def assert_valid(root: ET.Element) -> None:
    """The required elements and attributes of the JUnit XSD, and counts that add up."""
    suites = root.findall("testsuite")
    assert suites
    for suite in suites:
        for attribute in SUITE_ATTRIBUTES:
            assert suite.get(attribute) is not None, (suite.get("name"), attribute)
        float(suite.get("time"))
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        for tag, attribute in (("failure", "failures"), ("error", "errors"),
                               ("skipped", "skipped")):
            assert int(suite.get(attribute)) == sum(c.find(tag) is not None for c in cases)
        for case in cases:
            for attribute in CASE_ATTRIBUTES:
                assert case.get(attribute), (case.get("name"), attribute)
            float(case.get("time"))
            outcomes = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
            assert len(outcomes) <= 1
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    assert child.get("message")
    for attribute in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(attribute)) == sum(int(s.get(attribute)) for s in suites)


@pytest.fixture(scope="module")
def junit(shared_run_dir: Path) -> ET.Element:
    path = write_junit(shared_run_dir)
    assert path == shared_run_dir / JUNIT_XML
    return parse(path)


def test_satisfies_the_schemas_required_elements(junit: ET.Element) -> None:
    assert_valid(junit)


def test_one_case_per_step_with_the_documented_mapping(junit: ET.Element,
                                                       shared_run_dir: Path) -> None:
    gate = load_evidence(shared_run_dir).gate
    cases = junit.find("testsuite[@name='gate']").findall("testcase")
    assert [c.get("name") for c in cases] == [s.name for s in gate.steps]
    expected = {"ADVANCE": None, "HOLD": "skipped", "ROLLBACK": "failure", "INVALID": "error"}
    for case, step in zip(cases, gate.steps, strict=True):
        outcome = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        assert (outcome.tag if outcome is not None else None) == expected[step.decision]
        if outcome is not None:
            assert step.reasons[0] in outcome.get("message")
        if step.decision in ("ROLLBACK", "INVALID"):
            for reason in step.reasons:
                assert reason in outcome.text
        if step.decision == "HOLD":
            assert f"{step.needs_more_requests:,} more requests" in outcome.get("message")


def test_one_failing_case_per_mismatch_signature(junit: ET.Element,
                                                 shared_run_dir: Path) -> None:
    signatures = load_evidence(shared_run_dir).signatures
    cases = junit.find("testsuite[@name='parity']").findall("testcase")
    assert len(cases) == len(signatures) >= 3
    for case, signature in zip(cases, signatures, strict=True):
        assert f"[{signature.id}]" in case.get("name")
        assert case.get("classname").endswith(signature.key.endpoint)
        failure = case.find("failure")
        assert failure is not None and f"{signature.rows:,} pairs" in failure.get("message")


def test_no_mismatch_gives_one_passing_parity_case(make_run_dir) -> None:
    root = parse(write_junit(make_run_dir(n=150, mismatch_every=0)))
    assert_valid(root)
    cases = root.find("testsuite[@name='parity']").findall("testcase")
    assert len(cases) == 1 and list(cases[0]) == []


def test_an_ungated_run_is_one_skipped_gate_case(make_run_dir) -> None:
    root = parse(write_junit(make_run_dir(n=150, gate=None)))
    assert_valid(root)
    suite = root.find("testsuite[@name='gate']")
    assert suite.get("skipped") == "1" and suite.get("tests") == "1"


def test_characters_xml_cannot_hold_are_replaced(make_run_dir) -> None:
    gate = gate_dict(decisions=("ROLLBACK",))
    gate["steps"][0]["reasons"] = ["bell \x07 and nul \x00 in a reason"]
    root = parse(write_junit(make_run_dir(n=150, gate=gate)))
    assert_valid(root)
    message = root.find("testsuite[@name='gate']/testcase/failure").get("message")
    assert "bell \ufffd and nul \ufffd" in message
