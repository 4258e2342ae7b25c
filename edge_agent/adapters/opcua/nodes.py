"""Find a profile's nodes on a connected server, in two requests, every connection anew.

The namespace index is looked up by URI each time, because a restarted server may number
its namespaces differently. A node the server does not have is reported by metric, not
raised: the rest of the line keeps being followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asyncua import Client, Node, ua

from edge_agent.adapters.opcua.errors import LinkLost
from edge_agent.adapters.opcua.profile import LineProfile, NodeRef


@dataclass(frozen=True, slots=True)
class LineNodes:
    """A profile's nodes on one server: what was found, and why the rest was not."""

    metrics: dict[str, Node]
    missing: dict[str, str] = field(default_factory=dict)
    notifier: Node | None = None
    event_type: Node | None = None

    def metric_of(self) -> dict[ua.NodeId, str]:
        return {node.nodeid: name for name, node in self.metrics.items()}


async def find_line_nodes(client: Client, profile: LineProfile) -> LineNodes:
    """Resolve every metric and the alarm nodes; raises ``LinkLost`` only when the server
    lacks the profile's namespace altogether (the wrong server, or one not yet loaded)."""
    try:
        namespace = await client.get_namespace_index(profile.namespace_uri)
    except ValueError as exc:
        raise LinkLost(f"the server has no namespace {profile.namespace_uri}") from exc
    refs: dict[str, NodeRef] = dict(profile.metrics)
    if profile.alarms is not None:
        refs |= {"alarm notifier": profile.alarms.notifier}
        refs |= {"alarm event type": profile.alarms.event_type}
    found, missing = await _resolve(client, namespace, refs)
    return LineNodes(
        metrics={name: found[name] for name in profile.metrics if name in found},
        missing=missing,
        notifier=found.get("alarm notifier"),
        event_type=found.get("alarm event type"),
    )


async def _resolve(
    client: Client, namespace: int, refs: dict[str, NodeRef]
) -> tuple[dict[str, Node], dict[str, str]]:
    found: dict[str, Node] = {}
    missing: dict[str, str] = {}
    by_path = {name: ref for name, ref in refs.items() if ref.path is not None}
    results = (
        await client.translate_browsepaths(
            ua.NodeId(ua.ObjectIds.ObjectsFolder),
            [_relative_path(ref.path or "", namespace) for ref in by_path.values()],
        )
        if by_path
        else []
    )
    for (name, ref), result in zip(by_path.items(), results, strict=True):
        if result.StatusCode.is_good() and result.Targets:
            found[name] = client.get_node(result.Targets[0].TargetId)
        else:
            missing[name] = f"{ref.describe()} not on the server ({result.StatusCode.name})"
    by_id = {
        name: client.get_node(ua.NodeId.from_string(f"ns={namespace};{ref.node}"))
        for name, ref in refs.items()
        if ref.node is not None
    }
    classes = (
        await client.read_attributes(list(by_id.values()), ua.AttributeIds.NodeClass)
        if by_id
        else []
    )
    for (name, node), value in zip(by_id.items(), classes, strict=True):
        if value.StatusCode is None or value.StatusCode.is_good():
            found[name] = node
        else:
            missing[name] = f"{refs[name].describe()} not on the server ({value.StatusCode.name})"
    return found, missing


def _relative_path(path: str, namespace: int) -> ua.RelativePath:
    """Browse names as elements, not a string, so a name may hold '.', '&' or '#'."""
    return ua.RelativePath(
        Elements=[
            ua.RelativePathElement(
                ReferenceTypeId=ua.NodeId(ua.ObjectIds.HierarchicalReferences),
                IsInverse=False,
                IncludeSubtypes=True,
                TargetName=ua.QualifiedName(name, namespace),
            )
            for name in path.split("/")
        ]
    )
