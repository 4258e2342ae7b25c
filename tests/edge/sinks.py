"""An agent sink as the agent builds one for a watched cold room: readings, then the cold
chain, with the site's facts read from the store and the monitor's locations."""

from __future__ import annotations

from edge_agent.pipeline.coldchain import ColdChainMonitor
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder
from edge_agent.pipeline.rules import StoreFacts
from edge_agent.pipeline.stages import ColdChain, Readings
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter


def agent_sink(store: EdgeStore, writer: GroupCommitWriter, monitor: ColdChainMonitor) -> AgentSink:
    pipelines = [Readings(ReadingRecorder(ReadingPolicy())), ColdChain(monitor)]
    return AgentSink(store, writer, pipelines, site=StoreFacts(store, monitor.places()))
