"""softran.sim: scenarios, simulation runs, TS 38.104 conformance and the figures they produce."""

from softran.sim.conformance import (
    ConformanceResult,
    Crossing,
    ThroughputPoint,
    isotonic_increasing,
    snr_points_around,
    throughput_crossing,
    throughput_interval,
    throughput_points,
    verdict,
)
from softran.sim.conformance_rates import RatePoint, RateResult, rate_points_around, rate_verdict
from softran.sim.conformance_rates_report import plot_rates, rate_table
from softran.sim.conformance_report import conformance_table, plot_conformance
from softran.sim.link import Link, LinkConfigError, SlotCounts, make_link, register_link
from softran.sim.plots import plot_grid_and_spectrum, plot_link_curves
from softran.sim.propagation import ChannelSpec, parse_channel_name
from softran.sim.requirements import (
    FRC,
    FRC_NAMES,
    TARGET_THROUGHPUT,
    PUSCHRequirement,
    frc,
    pusch_requirements,
    test_snr_db,
    test_tolerance_db,
)
from softran.sim.requirements_control import (
    PRACHRequirement,
    PUCCHRequirement,
    control_test_snr_db,
    prach_requirements,
    pucch_requirements,
)
from softran.sim.runner import batch_seed, simulate
from softran.sim.scenario import Scenario, ScenarioError, load_scenario, validate_scenario
from softran.sim.stopping import PointResult, wilson_interval
from softran.sim.store import ResultsStore

__all__ = [
    "ChannelSpec",
    "ConformanceResult",
    "Crossing",
    "FRC",
    "FRC_NAMES",
    "Link",
    "LinkConfigError",
    "PRACHRequirement",
    "PUCCHRequirement",
    "PUSCHRequirement",
    "PointResult",
    "RatePoint",
    "RateResult",
    "ResultsStore",
    "Scenario",
    "ScenarioError",
    "SlotCounts",
    "TARGET_THROUGHPUT",
    "ThroughputPoint",
    "batch_seed",
    "conformance_table",
    "control_test_snr_db",
    "frc",
    "isotonic_increasing",
    "load_scenario",
    "make_link",
    "parse_channel_name",
    "plot_conformance",
    "plot_grid_and_spectrum",
    "plot_link_curves",
    "plot_rates",
    "prach_requirements",
    "pucch_requirements",
    "pusch_requirements",
    "rate_points_around",
    "rate_table",
    "rate_verdict",
    "register_link",
    "simulate",
    "snr_points_around",
    "test_snr_db",
    "test_tolerance_db",
    "throughput_crossing",
    "throughput_interval",
    "throughput_points",
    "validate_scenario",
    "verdict",
    "wilson_interval",
]
