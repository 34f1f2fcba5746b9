"""In-app notifications (提醒卡片)."""
