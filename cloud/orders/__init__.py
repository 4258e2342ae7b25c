"""Orders taken in the cloud: lifecycles as data, customers, payments, notes, approvals and
costs, every step a hash-chained journal entry."""
