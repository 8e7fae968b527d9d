"""The declarations and the campaign: return specs, campaign.yaml, the organisations
registry, the sheet layout, the signed plan, and the workspace that holds them together."""
