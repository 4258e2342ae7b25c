"""Purchasing: purchase orders to suppliers, their approval, shipping notices, receipts and
suppliers' lead times."""
