SELECT
    date_format(qa_reviews.reviewed_at, '%%Y-%%m') AS d_month,
    k.agent_id AS d_agent,
    count(*) AS qa_reviews,
    sum(CASE WHEN qa_reviews.passed THEN 1 ELSE 0 END) AS qa_passed
FROM qa_reviews
    LEFT OUTER JOIN calls AS k ON k.call_id = qa_reviews.call_id
WHERE
    qa_reviews.reviewed_at >= '2025-09-01 00:00:00'
    AND qa_reviews.reviewed_at < '2025-10-01 00:00:00'
GROUP BY
    date_format(qa_reviews.reviewed_at, '%%Y-%%m'),
    k.agent_id
