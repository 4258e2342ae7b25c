"""The demos: one public stack (``stack.DemoStack``) that every scenario composes.

- ``stack``: database, cloud, site bus, admin and enrolment, agents, simulators and feeders,
  torn down in order (feeders, agents, bus, cloud, database), also on Ctrl-C or SIGTERM;
- ``readiness``: waiting on explicit signals (an HTTP answer, a port that accepts, the
  agent's retained ``online`` on the bus, its status file), bounded, naming what never came;
- ``enrolment``: the organisation's admin and an agent enrolled with the manual's commands;
- ``scale``, ``coldchain``, ``kitchen``: one scenario each, checking its own story.
"""
