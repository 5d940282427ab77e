"""Field lists of the crawler exports firestorm reads, as the crawlers write them.

Sources: the writer code of NanmiCoder/MediaCrawler (store/*/ and its CSV/JSON/JSONL stores; field order
before the 2026-07-01 change that replaced ``user_id`` by ``creator_hash``) and dataabc/weibo-crawler
(``write_csv``: Chinese headers). The demo generator writes these exact headers; ingest requires the
``REQUIRED`` subset and tolerates extra or reordered columns.
"""

FIELDS: dict[str, list[str]] = {
    "mediacrawler_xhs_notes": [
        "note_id", "type", "title", "desc", "video_url", "time", "last_update_time", "user_id", "nickname",
        "avatar", "liked_count", "collected_count", "comment_count", "share_count", "ip_location",
        "image_list", "tag_list", "last_modify_ts", "note_url", "source_keyword", "xsec_token",
    ],
    "mediacrawler_xhs_comments": [
        "comment_id", "create_time", "ip_location", "note_id", "content", "user_id", "nickname", "avatar",
        "sub_comment_count", "pictures", "parent_comment_id", "last_modify_ts", "like_count",
    ],
    "mediacrawler_weibo_posts": [
        "note_id", "content", "create_time", "create_date_time", "liked_count", "comments_count",
        "shared_count", "last_modify_ts", "note_url", "ip_location", "user_id", "nickname", "gender",
        "profile_url", "avatar", "source_keyword",
    ],
    "mediacrawler_weibo_comments": [
        "comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
        "comment_like_count", "last_modify_ts", "ip_location", "parent_comment_id", "user_id", "nickname",
        "gender", "profile_url", "avatar",
    ],
    "weibo_crawler_posts": [
        "id", "bid", "正文", "头条文章url", "原始图片url", "视频url", "Live Photo视频url", "位置", "日期", "工具",
        "点赞数", "评论数", "转发数", "话题", "@用户", "完整日期", "是否编辑过", "编辑次数",
    ],
}

# Columns without which a file of that format cannot be read at all. The author column may be the
# pre-2026-07 ``user_id`` or the later ``creator_hash``; ingest accepts either.
REQUIRED: dict[str, list[str]] = {
    "mediacrawler_xhs_notes": ["note_id", "desc", "time"],
    "mediacrawler_xhs_comments": ["comment_id", "note_id", "content", "create_time"],
    "mediacrawler_weibo_posts": ["note_id", "content", "create_time"],
    "mediacrawler_weibo_comments": ["comment_id", "note_id", "content", "create_time"],
    "weibo_crawler_posts": ["id", "正文", "日期"],
}

PLATFORM_OF_FORMAT = {
    "mediacrawler_xhs_notes": "xiaohongshu",
    "mediacrawler_xhs_comments": "xiaohongshu",
    "mediacrawler_weibo_posts": "weibo",
    "mediacrawler_weibo_comments": "weibo",
    "weibo_crawler_posts": "weibo",
}

# Columns that identify people; they are read only to pseudonymise and never written to results/.
PERSONAL_COLUMNS = {"user_id", "creator_hash", "nickname", "avatar", "profile_url", "@用户", "gender"}
