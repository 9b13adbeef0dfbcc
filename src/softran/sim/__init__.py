"""softran.sim: scenarios, simulation runs, TS 38.104 conformance and the figures they produce.

Transmitter tests: the NR-FR1 test models (:mod:`softran.sim.nr_tm`), EVM
(:mod:`softran.sim.evm`) and ACLR (:mod:`softran.sim.aclr`) with their figures
(:mod:`softran.sim.measurement_plots`) and the impairment chain of the recordings
(:mod:`softran.sim.tx_impairments`).
"""

from softran.sim.aclr import ACLR_LIMIT_DB, ACLRResult, measure_aclr
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
from softran.sim.evm import EVMResult, evm_limit_percent, evm_window_length, measure_evm
from softran.sim.link import Link, LinkConfigError, SlotCounts, make_link, register_link
from softran.sim.measurement_plots import plot_aclr, plot_evm
from softran.sim.nr_tm import (
    NR_TEST_MODELS,
    NRTMPDSCH,
    NRTestModel,
    NRTMDefinition,
    nr_tm,
    nr_tm_definition,
    nr_tm_plan,
    pn23,
    tdd_downlink_symbols,
)
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
from softran.sim.tx_impairments import IMPAIRMENT_NAMES, TransmitterImpairments

__all__ = [
    "ACLRResult",
    "ACLR_LIMIT_DB",
    "ChannelSpec",
    "ConformanceResult",
    "Crossing",
    "EVMResult",
    "FRC",
    "FRC_NAMES",
    "IMPAIRMENT_NAMES",
    "Link",
    "LinkConfigError",
    "NRTMDefinition",
    "NRTMPDSCH",
    "NRTestModel",
    "NR_TEST_MODELS",
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
    "TransmitterImpairments",
    "batch_seed",
    "conformance_table",
    "evm_limit_percent",
    "evm_window_length",
    "control_test_snr_db",
    "frc",
    "isotonic_increasing",
    "load_scenario",
    "make_link",
    "measure_aclr",
    "measure_evm",
    "nr_tm",
    "nr_tm_definition",
    "nr_tm_plan",
    "parse_channel_name",
    "plot_aclr",
    "plot_conformance",
    "plot_evm",
    "plot_grid_and_spectrum",
    "plot_link_curves",
    "pn23",
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
    "tdd_downlink_symbols",
    "test_snr_db",
    "test_tolerance_db",
    "throughput_crossing",
    "throughput_interval",
    "throughput_points",
    "validate_scenario",
    "verdict",
    "wilson_interval",
]
