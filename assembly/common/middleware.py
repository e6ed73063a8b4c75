from django.shortcuts import render


class MethodNotAllowedPageMiddleware:
    """Answer a 405 with a page in the reader's language instead of an empty body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
